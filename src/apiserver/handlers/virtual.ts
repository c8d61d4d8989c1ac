// Create-only kinds that are answered, not stored: access reviews (answered by the server's
// authorizer, see authz/reviews.ts), identity and token reviews, and core/v1 Binding.
import { ApiError } from '../../api/errors.js';
import { formatApiVersion, isPlainObject } from '../../api/object.js';
import { acceptsPlainObject } from '../http/negotiate.js';
import { sendJson } from '../http/respond.js';
import type { ResourceRoute } from '../routing.js';
import type { UserInfo } from '../authn/user.js';
import { withAuthenticatedGroup } from '../authn/user.js';
import type { RequestContext } from './context.js';
import { readObjectBody } from './decode.js';
import { fieldValidation } from './query.js';
import { bind } from './subresources.js';
import { accessReviewStatus, rulesReviewStatus } from '../authz/reviews.js';

export async function handleVirtualCreate(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const r = route.resource;
  if (!acceptsPlainObject(ctx.req.headers.accept)) {
    throw new ApiError('NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  }
  const body = await readObjectBody(ctx, {
    resource: r,
    version: route.version,
    validation: fieldValidation(ctx.url.searchParams),
    warnings: [],
  });
  const expected = formatApiVersion(r.group, route.version);
  if (body.kind !== undefined && body.kind !== r.kind) {
    throw ApiError.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${r.kind})`);
  }
  const reply: Record<string, unknown> = { ...body, kind: r.kind, apiVersion: expected, metadata: { creationTimestamp: null, ...(body.metadata ?? {}) } };
  const spec = isPlainObject(body['spec']) ? body['spec'] : {};
  const authorizer = ctx.server.authorizer;
  switch (r.plural) {
    case 'selfsubjectaccessreviews':
      reply['status'] = accessReviewStatus(authorizer, 'SelfSubjectAccessReview', spec, ctx.user, undefined);
      break;
    case 'subjectaccessreviews':
      reply['status'] = accessReviewStatus(authorizer, 'SubjectAccessReview', spec, ctx.user, undefined);
      break;
    case 'localsubjectaccessreviews':
      reply['status'] = accessReviewStatus(authorizer, 'LocalSubjectAccessReview', spec, ctx.user, route.namespace);
      break;
    case 'selfsubjectrulesreviews':
      reply['status'] = rulesReviewStatus(authorizer, spec, ctx.user);
      break;
    case 'selfsubjectreviews':
      reply['status'] = { userInfo: userInfoJson(ctx.user) };
      break;
    case 'tokenreviews':
      reply['status'] = await reviewToken(ctx, isPlainObject(body['spec']) ? body['spec'] : {});
      break;
    case 'bindings': {
      const name = body.metadata?.name;
      if (!name) throw ApiError.badRequest('the name of the Binding is required');
      await bind(ctx, route.namespace, name, body);
      return;
    }
    default:
      throw new ApiError('MethodNotAllowed', `create is not supported for ${r.plural}`);
  }
  sendJson(ctx.res, 201, reply);
}

/**
 * TokenReview as Kubernetes answers it: the token is authenticated for spec.audiences (the API
 * server's when empty); status.audiences are those it was accepted for, status.error says why
 * it was not.
 */
async function reviewToken(ctx: RequestContext, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
  const token = typeof spec['token'] === 'string' ? spec['token'] : '';
  const requested = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string') : [];
  const result = token ? await ctx.server.authenticateToken(token, requested.length > 0 ? requested : undefined) : undefined;
  if (!result) return { user: {}, error: 'invalid bearer token' };
  if ('error' in result) return { user: {}, error: result.error };
  return { authenticated: true, user: userInfoJson(withAuthenticatedGroup(result.user)), audiences: [...result.audiences] };
}

function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra ? { extra: u.extra } : {}) };
}
