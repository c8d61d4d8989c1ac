// ImageLocality: prefers nodes that already have the pod's images, weighting each image by its
// size and by how widely it is spread (an image on every node says little about this one).
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework.js';
import { normalizedImageName } from '../../node-info.js';
import { PluginName } from '../names.js';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export function imageLocality(handle: Handle): Plugin {
  return {
    name: PluginName.ImageLocality,
    score(_state, pod, node) {
      if (node.images.size === 0) return 0;
      const totalNodes = handle.snapshot.numNodes;
      const spec = pod.pod.spec;
      const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
      let sum = 0;
      for (const c of containers) {
        if (!c.image) continue;
        const name = normalizedImageName(c.image);
        const size = node.images.get(name);
        if (size === undefined) continue;
        sum += Math.trunc(size * (handle.snapshot.imageNodeCount(name) / totalNodes));
      }
      const maxThreshold = MAX_CONTAINER_THRESHOLD * containers.length;
      const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), maxThreshold);
      return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
    },
  };
}
