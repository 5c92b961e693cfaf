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
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000;
  let warnTimer;
  let tickTimer;

  const words = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const tick = () => {
    const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    countdown.textContent = words(seconds);
    if (seconds === 0) {
      window.location.href = dialog.dataset.loginUrl;
      return;
    }
    // Announce at the start, then every 20 seconds, so a screen reader is not talked over.
    if (!live.textContent || seconds % 20 === 0) {
      live.textContent = `For your security, we will sign you out in ${words(seconds)}.`;
    }
  };

  const warn = () => {
    live.textContent = "";
    tick();
    dialog.showModal();
    stay.focus();
    tickTimer = window.setInterval(tick, 1000);
  };

  const schedule = () => {
    window.clearTimeout(warnTimer);
    window.clearInterval(tickTimer);
    warnTimer = window.setTimeout(warn, Math.max(0, deadline - Date.now() - warnBefore));
  };

  const staySignedIn = async () => {
    const response = await fetch(dialog.dataset.renewUrl, {
      method: "POST",
      headers: { "X-CSRFToken": dialog.dataset.csrfToken },
      credentials: "same-origin",
    });
    if (!response.ok) {
      window.location.href = dialog.dataset.loginUrl;
      return;
    }
    const body = await response.json();
    deadline = Date.now() + body.seconds_left * 1000;
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
