// Body of Kratos' web_hook after settings and recovery flows, for the session-router's
// POST /v1/hooks/kratos/after-settings and /after-recovery (services/session-router/README.md).
// ctx: https://www.ory.sh/docs/guides/integrate-with-ory-cloud-through-webhooks ("Customizing request
// body with Jsonnet"); a settings post-persist hook binds ctx.identity and ctx.session, a recovery
// hook ctx.identity only (Kratos selfservice/hook/web_hook.go), so session_id is sent when there is one.
function(ctx) {
  identity_id: ctx.identity.id,
  [if std.objectHas(ctx, 'session') && ctx.session != null then 'session_id']: ctx.session.id,
  flow_id: ctx.flow.id,
}
