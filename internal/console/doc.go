// Package console is sestd's operator console: server-rendered pages for
// the people of an admissions office, served by the daemon on the admin
// listener under /console/ (a browser opening / is sent there; daemon
// mounts it with admin.Server.MountConsole). Scripts keep
// the JSON API and its token (package admin).
//
// # Guarantees
//
//   - People sign in with their own accounts (store.User, made by `sestd
//     user add`); passwords are bcrypt hashes. A session lasts at most
//     console.session_ttl and ends after console.session_idle unused; its
//     cookie is HttpOnly, SameSite=Strict, and Secure over TLS or with
//     console.secure_cookie. Only the SHA-256 of the cookie is stored.
//   - Sign-in is throttled: console.signin_max_failures failures per
//     account (ten times as many per client address) within
//     console.signin_window refuse further tries until the window passed,
//     without saying whether the account exists.
//   - Every form carries a CSRF token bound to the session (the sign-in
//     form one bound to a cookie of its own); a POST without the right one
//     is refused with 403 and changes nothing.
//   - Roles: viewer reads; operator also acts (retry, discard, upload,
//     start jobs, ranking uploads); admin also reads the audit log and exports or erases
//     a data subject. A page or action beyond the role answers 403.
//   - Every read of an applicant's page or document and every action is in
//     the audit log with actor "console:<account name>".
//   - Content-Security-Policy allows no script and styles only from the
//     console's own embedded style sheet; pages work without JavaScript and
//     with the keyboard. Texts are German, English for browsers preferring
//     it; all of them are in texts.go.
//   - Single sign-on: with console.sso_header set, a request from one of
//     console.sso_trusted_proxies whose header names an enabled account is
//     signed in as that account.
package console
