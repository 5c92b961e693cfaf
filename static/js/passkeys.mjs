// Passkeys: the browser's WebAuthn calls between the portal's own forms. The server renders every
// page and checks every answer; this file hands the server's options to the browser and the
// browser's answer (as JSON) back in the form's hidden `credential` field. Where the browser
// cannot, the forms stay hidden and the page says so.
const supported =
  "PublicKeyCredential" in window &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
  typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

// Runs the ceremony, puts its answer (or nothing, when the person cancels) in the form, sends it.
const answer = (form, ceremony) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const credential = await ceremony();
      form.elements.credential.value = JSON.stringify(credential.toJSON());
    } catch {
      form.elements.credential.value = "";
    }
    form.submit();
  });
};

if (supported) {
  for (const note of document.querySelectorAll("[data-passkey-unsupported]")) {
    note.hidden = true;
  }
  for (const form of document.querySelectorAll("form[data-passkey-create]")) {
    const options = PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(form.dataset.options));
    form.hidden = false;
    answer(form, () => navigator.credentials.create({ publicKey: options }));
  }
  for (const form of document.querySelectorAll("form[data-passkey-sign-in]")) {
    form.closest("[data-passkey-section]").hidden = false;
    answer(form, async () => {
      const response = await fetch(form.dataset.optionsUrl, {
        method: "POST",
        headers: { "X-CSRFToken": form.elements.csrf_token.value },
      });
      const options = PublicKeyCredential.parseRequestOptionsFromJSON(await response.json());
      return navigator.credentials.get({ publicKey: options });
    });
  }
}
