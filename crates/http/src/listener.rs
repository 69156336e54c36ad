//! Which listener a request came in on, when the operators' routes have
//! their own (`ADMIN_BIND_ADDR`).
//!
//! actix gives each listener's services the listener's bound address
//! (`AppConfig::local_addr`); a middleware compares it with the admin
//! listener's and tags the request, and the admin scope's guard reads the
//! tag. Routing stays actix's: unknown paths and methods get the same
//! JSON 404 / 405 on both listeners.

use std::net::SocketAddr;

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::guard::GuardContext;

/// The tag of a request that arrived on the admin listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OnAdminListener;

/// Tags `req` when it arrived on the listener bound to `admin`.
pub(crate) fn tag(req: &ServiceRequest, admin: Option<SocketAddr>) {
    if admin.is_some_and(|admin| req.app_config().local_addr() == admin) {
        req.extensions_mut().insert(OnAdminListener);
    }
}

/// The admin scope's guard.
pub(crate) fn is_admin(ctx: &GuardContext<'_>) -> bool {
    ctx.req_data().contains::<OnAdminListener>()
}
