// Warns before the idle limit ends the session, with a way to stay signed in.
// The dialog is modal (showModal keeps focus inside it); the countdown is read out at intervals
// through a live region rather than every second. Escape or "Stay signed in" renews the session
// with a POST; when the time is up the browser goes to the sign-in page, where the server has
// already ended the session.
const dialog = document.getElementById("session-timeout");

if (dialog && typeof dialog.showModal === "function") {
  const warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  const countdown = dialog.querySelector(".portal-timeout__countdown");
  const live = dialog.querySelector("[data-live]");
  const stay = dialog.querySelector("[data-stay]");
  // The server counts whole seconds, rounds seconds_left down, counts the requests for this
  // page's own files as activity, and ends a session only once its limit has passed: the page
  // goes to sign-in a little after that, never before. A moment early, the server would still
  // find the session alive, renew it and send the browser straight back here.
  const slack = 2000;
  const deadlineIn = (secondsLeft) => Date.now() + Number(secondsLeft) * 1000 + slack;
  let deadline = deadlineIn(dialog.dataset.secondsLeft);
  let warnTimer;
  let tickTimer;

  const words = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const announce = (seconds) => {
    live.textContent = `For your security, we will sign you out in ${words(seconds)}.`;
  };

  const tick = () => {
    const left = deadline - Date.now();
    if (left <= 0) {
      window.location.href = dialog.dataset.loginUrl;
      return;
    }
    const seconds = Math.ceil(left / 1000);
    countdown.textContent = words(seconds);
    // Announced every 20 seconds, so a screen reader is not talked over.
    if (live.textContent && seconds % 20 === 0) {
      announce(seconds);
    }
  };

  const warn = () => {
    live.textContent = "";
    tick();
    dialog.showModal();
    stay.focus();
    // A live region only speaks changes made while it is shown: fill it once the dialog is open.
    window.setTimeout(() => announce(Math.ceil((deadline - Date.now()) / 1000)), 300);
    tickTimer = window.setInterval(tick, 1000);
  };

  const schedule = () => {
    window.clearTimeout(warnTimer);
    window.clearInterval(tickTimer);
    warnTimer = window.setTimeout(warn, Math.max(0, deadline - Date.now() - warnBefore));
  };

  const staySignedIn = async () => {
    let response;
    try {
      // A session the server has ended answers with a redirect to sign-in. Not followed here:
      // fetching that page would use up its note of why the session ended, unseen.
      response = await fetch(dialog.dataset.renewUrl, {
        method: "POST",
        headers: { "X-CSRFToken": dialog.dataset.csrfToken },
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch {
      return; // offline: the warning stays open and the countdown goes on
    }
    const body = response.ok ? await response.json().catch(() => null) : null;
    if (!body) {
      window.location.href = dialog.dataset.loginUrl;
      return;
    }
    deadline = deadlineIn(body.seconds_left);
    dialog.close();
    schedule();
  };

  stay.addEventListener("click", staySignedIn);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape means "stay signed in", not "ignore the warning"
    staySignedIn();
  });
  schedule();
}
