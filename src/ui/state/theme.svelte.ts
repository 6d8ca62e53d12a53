/** Light or dark: the learner's choice, remembered; at first the system's preference. */
const STORAGE_KEY = 'cluster-lab.theme';
type Theme = 'light' | 'dark';

function initial(): Theme {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    /* storage may be unavailable */
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

class ThemeStore {
  current = $state<Theme>(initial());

  constructor() {
    document.documentElement.dataset.theme = this.current;
  }

  toggle(): void {
    this.current = this.current === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = this.current;
    try {
      localStorage.setItem(STORAGE_KEY, this.current);
    } catch {
      /* ignore */
    }
  }
}

export const theme = new ThemeStore();
