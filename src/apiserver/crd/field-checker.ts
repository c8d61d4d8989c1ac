// Unknown fields of custom resources for `fieldValidation=Strict|Warn`: the fields the CRD's
// schema would prune (Kubernetes reports exactly those), with the built-in checker for
// everything else.
import type { GroupVersionKind } from '../../api/object.js';
import { deepCopy, isPlainObject } from '../../api/object.js';
import { pruneCustomResource } from '../../api/custom/custom-resource.js';
import { UnknownFieldChecker } from '../http/unknown-fields.js';
import type { OpenApiService } from '../openapi/openapi.js';
import type { ResourceCatalog } from './catalog.js';

export class CustomResourceFieldChecker extends UnknownFieldChecker {
  constructor(
    openapi: OpenApiService | undefined,
    private readonly catalog: ResourceCatalog,
  ) {
    super(openapi);
  }

  override unknownFields(gvk: GroupVersionKind, value: unknown, options: { skipDirectives?: boolean } = {}): string[] {
    const resource = this.catalog.findByKind(gvk);
    if (!resource?.custom || !isPlainObject(value)) return super.unknownFields(gvk, value, options);
    return pruneCustomResource(resource, deepCopy(value), gvk.version);
  }
}
