// The dashboard's live rate charts: Chart.js (npm chart.js, its UMD build loaded as a classic script: global `Chart`).
// One point a second from the `dashboard` messages, the last few minutes kept; nothing is fetched here.

/** Points kept: three minutes at one sample a second. */
export const WINDOW_POINTS = 180;

const timeFormat = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/**
 * A line chart of one rate on `canvas`. format(value) labels the axis and tooltips. Returns { push(at, value), clear() }.
 * The canvas's data-points attribute says how many points the chart holds (what tests and screen readers can read).
 */
export function rateChart(canvas, { label, color, format }) {
  const labels = [];
  const values = [];
  const chart = globalThis.Chart
    ? new Chart(canvas, {
      type: 'line',
      data: {
        labels,
        datasets: [{ label, data: values, borderColor: color, backgroundColor: `${color}33`, fill: true, pointRadius: 0, borderWidth: 2, tension: 0.25 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { intersect: false, mode: 'index' },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => format(item.parsed.y) } } },
        scales: {
          x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { callback: (value) => format(value) } },
        },
      },
    })
    : null;

  const sync = () => {
    canvas.dataset.points = String(values.length);
    chart?.update('none');
  };

  return {
    push(at, value) {
      labels.push(timeFormat.format(new Date(at)));
      values.push(value);
      while (values.length > WINDOW_POINTS) {
        labels.shift();
        values.shift();
      }
      sync();
    },
    clear() {
      labels.length = 0;
      values.length = 0;
      sync();
    },
  };
}
