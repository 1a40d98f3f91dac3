// Money on the pages: integer minor units (fen) in, formatted text out. Never floating point:
// amounts are parsed from the decimal string and computed with BigInt.

const SYMBOLS = { CNY: '¥' };

function toBigInt(minorUnits) {
  if (typeof minorUnits === 'bigint') {
    return minorUnits;
  }
  if (!Number.isSafeInteger(minorUnits)) {
    throw new RangeError(`Not an amount in minor units: ${minorUnits}`);
  }
  return BigInt(minorUnits);
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456 (fen) -> "¥1,234.56". */
export function formatMoney(minorUnits, currency = 'CNY') {
  const value = toBigInt(minorUnits);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = group((abs / 100n).toString());
  const cents = (abs % 100n).toString().padStart(2, '0');
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${negative ? '-' : ''}${symbol}${whole}.${cents}`;
}

/** Whole percent of the goal reached, rounded down (can exceed 100). */
export function percentOf(raised, goal) {
  const g = toBigInt(goal);
  if (g <= 0n) {
    return 0;
  }
  return Number((toBigInt(raised) * 100n) / g);
}

/**
 * Parses what a donor typed as yuan ("50", "12.3", "1,000.05", "１２．５") into fen.
 * Returns { fen } or { error } with a message naming the amount (label, e.g. '目标金额').
 */
export function parseYuan(text, label = '捐赠金额') {
  const cleaned = String(text ?? '')
    .normalize('NFKC') // full-width digits, ．and ￥ become their ASCII forms
    .replace(/[\s,，]/g, '')
    .replace(/^¥/, '')
    .replace(/元$/, '');
  if (cleaned === '') {
    return { error: `请输入${label}。` };
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[1] === '' && !match[2])) {
    return { error: '请输入有效的金额，例如 50 或 12.5。' };
  }
  const fraction = match[2] ?? '';
  if (fraction.length > 2) {
    return { error: '金额最多精确到分（两位小数）。' };
  }
  const fen = BigInt(match[1] || '0') * 100n + BigInt(fraction.padEnd(2, '0'));
  if (fen <= 0n) {
    return { error: `${label}须大于 0 元。` };
  }
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { error: '金额过大。' };
  }
  return { fen: Number(fen) };
}
