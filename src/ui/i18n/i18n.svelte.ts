/** The UI language: zh-CN or en, from the browser's language at first, then the learner's choice. */
import { en, type Messages } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Locale = 'en' | 'zh-CN';
const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'cluster-lab.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    /* storage may be unavailable (private mode): fall through */
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

class I18n {
  locale = $state<Locale>(initialLocale());

  set(locale: Locale): void {
    this.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      /* ignore */
    }
  }

  /** The text for `key`, with {placeholders} filled in. */
  t(key: keyof Messages, vars: Record<string, string | number> = {}): string {
    // A key missing from a language (a bug the unit test catches) shows the English text, never breaks a view.
    const text: string = MESSAGES[this.locale][key] ?? MESSAGES.en[key] ?? String(key);
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
  }
}

export const i18n = new I18n();
