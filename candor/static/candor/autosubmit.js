// A form marked data-autosubmit is sent as soon as one of its fields changes (the review
// list's sort and star filter), so no Apply click is needed. Without JavaScript the form
// keeps its Apply button; with it, the button is hidden as it has nothing left to do.
"use strict";
document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  form.querySelectorAll("[data-autosubmit-button]").forEach((button) => {
    button.hidden = true;
  });
  form.addEventListener("change", () => form.requestSubmit());
});
