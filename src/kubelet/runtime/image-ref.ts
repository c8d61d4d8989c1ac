// Image names as the kubelet hands them to pullImage, normalised the way containerd reports
// them in repoTags ("nginx" → "docker.io/library/nginx:latest"). Runtimes without a
// registry (fake, process) use this to record images and to reject malformed names.
import { createHash } from 'node:crypto';
import { ImagePullError, type ImageInfo } from './runtime.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+)(?::[0-9]+)?$/;

/** The fully qualified name, or ImagePullError('InvalidImageName'). */
export function normalizeImageName(image: string): string {
  const invalid = (): ImagePullError =>
    new ImagePullError(`invalid image name "${image}"`, 'InvalidImageName');
  if (image === '' || /\s/.test(image)) throw invalid();
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid();
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid();
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let domain = 'docker.io';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!DOMAIN.test(first)) throw invalid();
    domain = first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) throw invalid();
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  const name = `${domain}/${parts.join('/')}`;
  if (digest) return tag ? `${name}:${tag}@${digest}` : `${name}@${digest}`;
  return `${name}:${tag || 'latest'}`;
}

/** A stable, digest-shaped reference for runtimes that never fetch image content. */
export function syntheticImageInfo(normalized: string): ImageInfo {
  const ref = `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
  return { ref, repoTags: normalized.includes('@') ? [] : [normalized], sizeBytes: 0 };
}
