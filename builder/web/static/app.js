// Our own small script: the page language menu submits itself; the clinic profile preview follows
// the form as it is typed. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  for (const button of document.querySelectorAll(".js-hide")) button.hidden = true;
  const form = document.getElementById("profile-form");
  if (!form) return;
  const colour = /^#[0-9a-fA-F]{6}$/;
  for (const box of document.querySelectorAll("[data-accent]")) {
    if (colour.test(box.dataset.accent)) box.style.setProperty("--accent", box.dataset.accent);
  }
  for (const input of form.querySelectorAll("[data-preview]")) {
    input.addEventListener("input", () => {
      const key = input.dataset.preview;
      if (key === "accent") {
        if (colour.test(input.value)) {
          for (const id of ["pv-masthead", "pv-contact"]) {
            document.getElementById(id).style.setProperty("--accent", input.value);
          }
        }
        return;
      }
      const target = document.getElementById("pv-" + key);
      if (target) target.textContent = input.value;  // text, never markup
    });
  }
  const logo = document.getElementById("p-logo");
  logo.addEventListener("change", () => {
    const file = logo.files[0];
    const img = document.getElementById("pv-logo");
    if (file && /^image\/(png|jpeg)$/.test(file.type)) {
      img.src = URL.createObjectURL(file);
      img.alt = "";
      img.hidden = false;
    }
  });
});
