// Entry of the web client: reads the fleet's /web-config.json (realm, client, endpoints, models),
// finishes or starts the sign-in (silently first in a tab without tokens), then renders the chat
// page. A session that cannot be refreshed shows a banner and keeps the page (the open
// conversation is in the URL and on the server).
import { render } from "preact";
import { ChatStore } from "./store.ts";
import type { WebConfig } from "./session.ts";
import { Session } from "./session.ts";
import { App, SignIn } from "./ui-app.tsx";
import "./styles.css";

async function boot(root: HTMLElement): Promise<void> {
  const res = await fetch("/web-config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`web-config.json: HTTP ${res.status}`);
  const config = (await res.json()) as WebConfig;
  const session = await Session.open(config);
  if (session.redirecting) return; // to the realm, for a silent sign-in; it comes back here
  if (!session.signedIn) {
    render(<SignIn onSignIn={() => void session.signIn()} error={undefined} />, root);
    return;
  }
  const store = new ChatStore(config, session);
  session.onExpired = () => {
    store.notice = "Your session expired. Sign in again to continue; this conversation stays here.";
    store.dismissNotice = () => void session.signIn();
    store.link.stop();
    render(<App store={store} />, root);
  };
  session.onChange = () => {
    if (!session.signedIn)
      render(<SignIn onSignIn={() => void session.signIn()} error={undefined} />, root);
  };
  render(<App store={store} />, root);
  store.start();
}

const root = document.getElementById("app");
if (root !== null) {
  boot(root).catch((err: unknown) => {
    render(
      <SignIn
        onSignIn={() => {
          location.reload();
        }}
        error={`Could not start: ${err instanceof Error ? err.message : String(err)}`}
      />,
      root,
    );
  });
}
