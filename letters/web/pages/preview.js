// The letter follows the files: when a clause, outline or case file is saved, its body is
// fetched again (the passage in focus keeps it). The index's filters apply as they are chosen.
const letter = document.getElementById("letter");
if (letter && window.EventSource) {
  const events = new EventSource("/preview/events");
  events.onmessage = async () => {
    const focused = document.activeElement && document.activeElement.closest(".run");
    const response = await fetch(letter.dataset.body);
    letter.innerHTML = await response.text();
    const again = focused && document.getElementById(focused.id);
    if (again) again.focus({preventScroll: true});
  };
}
for (const select of document.querySelectorAll("form.filters select")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}
