/** The embedded Kubernetes-compatible API server. */
export { startApiServer, type ApiServerOptions, type RunningApiServer, type RequestStats } from './server.js';
export { kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.js';
export { ApiError, apiError, type Status } from './errors.js';
