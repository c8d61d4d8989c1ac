// Kubernetes' requestheader contract between the API server and aggregated API servers: the
// headers that name the proxied user, and the common name of the API server's proxy client
// certificate (kubeadm's front-proxy-client).
export const USERNAME_HEADER = 'X-Remote-User';
export const GROUP_HEADER = 'X-Remote-Group';
export const EXTRA_HEADER_PREFIX = 'X-Remote-Extra-';
export const UID_HEADER = 'X-Remote-Uid';
export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';
