import { test, expect } from '@playwright/test';
import { openLab } from './lab.ts';

test('switching to zh-CN translates the controls, and back to English', async ({ page }) => {
  await openLab(page);
  await expect(page.getByTestId('step')).toContainText('Step');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('step')).toContainText('单步');
  await expect(page.getByTestId('plus-second')).toContainText('+1 秒');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByTestId('language').selectOption('en');
  await expect(page.getByTestId('step')).toContainText('Step');
});
