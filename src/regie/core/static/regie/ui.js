// Behaviour of the back-office's pages, bound by data attributes (no inline handlers: the
// Content-Security-Policy refuses them; see docs/security.md).
//   <select data-autosubmit>       submits its form when the choice changes
//   <button data-print>            prints the page
//   <form data-confirm="question"> asks before submitting
//   a form carrying a once token   is sent once: a second click while the first answer is
//                                  on its way does nothing (the server refuses replays too)
(function () {
  document.addEventListener("change", function (event) {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const once = event.target.closest("form");
    if (!once || !once.querySelector("input[name=once]")) return;
    if (once.dataset.sending) {
      event.preventDefault();
      return;
    }
    once.dataset.sending = "1";
    // An answer that is a download leaves the page as it was: the form may be sent again later.
    window.setTimeout(function () {
      delete once.dataset.sending;
    }, 8000);
  });
  // A page shown again from the history (back button) may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });
})();
