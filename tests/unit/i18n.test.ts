import { describe, expect, it } from 'vitest';
import { en } from '../../src/ui/i18n/en.ts';
import { zhCN } from '../../src/ui/i18n/zh-CN.ts';

describe('UI text', () => {
  it('exists in both languages for every key, with the same placeholders', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(zhCN[key]), key).toEqual(vars(en[key]));
      expect(zhCN[key].length, key).toBeGreaterThan(0);
    }
  });

  it('the Chinese text is actually Chinese where it is prose', () => {
    for (const key of ['tagline', 'footer', 'pausedNote', 'loading'] as const) expect(zhCN[key]).toMatch(/[\u4e00-\u9fff]/);
  });
});
