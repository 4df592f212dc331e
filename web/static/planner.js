// Planner page: choosing another city scenario shows it at once (kept out of the page for the Content-Security-Policy).
"use strict";

document.querySelector("select[name=city]").addEventListener("change", event => event.target.form.submit());
