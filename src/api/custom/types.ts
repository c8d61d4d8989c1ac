// What the API needs to know about a custom resource beyond the resource table's fields: one
// entry per served version of its CustomResourceDefinition.
import type { CustomResourceColumnDefinition, JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';

export interface CustomResourceVersion {
  name: string;
  /** spec.versions[].schema.openAPIV3Schema; undefined accepts any object (and prunes nothing). */
  schema: JSONSchemaProps | undefined;
  /** spec.versions[].additionalPrinterColumns; empty gives the NAME and AGE table. */
  printerColumns: readonly CustomResourceColumnDefinition[];
  /** The `Warning` header Kubernetes sends for a deprecated version. */
  deprecationWarning?: string;
}

/** spec.versions[].subresources.scale: where the replicas live in the custom resource. */
export interface CustomResourceScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CustomResourceSpec {
  /** The CustomResourceDefinition's name (`<plural>.<group>`). */
  crdName: string;
  /** Served versions by name (the storage version is the resource's `version`). */
  versions: ReadonlyMap<string, CustomResourceVersion>;
  /** Set when the storage version has the scale subresource. */
  scale?: CustomResourceScale;
}
