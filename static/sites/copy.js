// "Copy" buttons: each copies the text of the element its data-copy selector names.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(source.textContent);
    if (status) status.textContent = "Copied.";
  } catch {
    // No clipboard access (an insecure origin, a refused permission): select it for Ctrl-C.
    getSelection().selectAllChildren(source);
    if (status) status.textContent = "Selected: press Ctrl-C (⌘-C) to copy.";
  }
});
