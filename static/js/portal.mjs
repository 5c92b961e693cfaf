// Starts GOV.UK Frontend's components. A module file, so the CSP needs no inline script.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
