// DefaultBinder: binds through the injected binder (the pods/binding subresource in production).
import type { Handle, Plugin } from '../../framework.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';

export function defaultBinder(handle: Handle): Plugin {
  return {
    name: PluginName.DefaultBinder,
    async bind(_state, pod, nodeName) {
      try {
        await handle.bind(pod, nodeName);
        return undefined;
      } catch (e) {
        return Status.error(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
