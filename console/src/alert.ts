/** The page's one alert region (role="alert", in index.html): API errors with their Graph message, and failures. */

export function showError(err: unknown): void {
  const region = document.getElementById('alert')!;
  region.textContent = err instanceof Error ? err.message : String(err);
  region.hidden = false;
}

export function clearError(): void {
  const region = document.getElementById('alert')!;
  region.textContent = '';
  region.hidden = true;
}
