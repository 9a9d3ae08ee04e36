// Behaviour of the back-office's pages, bound by data attributes (no inline handlers: the
// Content-Security-Policy refuses them; see docs/security.md).
//   <select data-autosubmit>       submits its form when the choice changes
//   <button data-print>            prints the page
//   <form data-confirm="question"> asks before submitting
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
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
