// All message schemas, looked up by full proto name. The tables are generated; this index is not.
import type { MessageSpec, MessageTable } from '../schema.js';
import { apimachineryMessages } from './apimachinery.js';
import { appsV1Messages } from './apps-v1.js';
import { authenticationV1Messages } from './authentication-v1.js';
import { authorizationV1Messages } from './authorization-v1.js';
import { autoscalingV1Messages } from './autoscaling-v1.js';
import { autoscalingV2Messages } from './autoscaling-v2.js';
import { batchV1Messages } from './batch-v1.js';
import { coreV1Messages } from './core-v1.js';
import { metaV1Messages } from './meta-v1.js';
import { networkingV1Messages } from './networking-v1.js';
import { policyV1Messages } from './policy-v1.js';
import { rbacV1Messages } from './rbac-v1.js';
import { schedulingV1Messages } from './scheduling-v1.js';

const allMessages: MessageTable = {
  ...apimachineryMessages,
  ...metaV1Messages,
  ...coreV1Messages,
  ...appsV1Messages,
  ...batchV1Messages,
  ...authenticationV1Messages,
  ...authorizationV1Messages,
  ...rbacV1Messages,
  ...schedulingV1Messages,
  ...policyV1Messages,
  ...networkingV1Messages,
  ...autoscalingV1Messages,
  ...autoscalingV2Messages,
};

export function messageSpec(fullName: string): MessageSpec | undefined {
  return Object.hasOwn(allMessages, fullName) ? allMessages[fullName] : undefined;
}

export function messageNames(): string[] {
  return Object.keys(allMessages);
}
