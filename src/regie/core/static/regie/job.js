// Poll a background job's status and move its progress bar; reload once it has finished.
(function () {
  const box = document.querySelector(".job[data-status-url]");
  if (!box || box.dataset.finished === "1") return;
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  const percent = document.getElementById("job-percent");
  const label = box.querySelector(".job-status");
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.percent;
        count.textContent = job.done + " / " + job.total;
        percent.textContent = job.percent;
        label.textContent = job.status_label;
        if (job.finished) { window.location.reload(); return; }
      }
    } catch (error) { /* the server restarts: try again */ }
    setTimeout(poll, 700);
  }
  setTimeout(poll, 300);
})();
