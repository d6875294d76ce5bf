// Summaries, the console table, docs/benchmarks.md and the SVG chart.

export function summarize (values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return null
  return { median: xs[Math.floor((xs.length - 1) / 2)], min: xs[0], max: xs[xs.length - 1], n: xs.length }
}

export function fmt (s, digits = 1) {
  if (s === null || s === undefined) return 'n/a'
  const f = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits))
  return s.n > 1 && s.min !== s.max ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median)
}

export function ratio (a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b.median === 0) return 'n/a'
  return `${(a.median / b.median).toFixed(2)}×`
}

export function table (rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |'
  return [line(headers), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n')
}

/** Two panels: loop delay p99 and delivered % against rate, one line per subject. */
export function chartSvg (series, rates) {
  const W = 720
  const H = 300
  const pad = { l: 60, r: 20, t: 30, b: 45 }
  const panelW = (W - pad.l - pad.r - 60) / 2
  const colors = { ours: '#1f77b4', sentry: '#d62728' }
  const x = (i, p) => pad.l + p * (panelW + 60) + (rates.length === 1 ? panelW / 2 : (i * panelW) / (rates.length - 1))
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n`
  const panels = [
    { key: 'loopP99', title: 'event-loop delay p99 (ms)', max: Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.loopP99 ?? 0))) },
    { key: 'deliveredPct', title: 'delivered / captured (%)', max: 100 }
  ]
  panels.forEach((panel, p) => {
    const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / panel.max)
    const x0 = x(0, p)
    out += `<text x="${x0}" y="18" font-weight="bold">${panel.title}</text>\n`
    out += `<line x1="${x0}" y1="${y(0)}" x2="${x0 + panelW}" y2="${y(0)}" stroke="#999"/>\n<line x1="${x0}" y1="${y(0)}" x2="${x0}" y2="${y(panel.max)}" stroke="#999"/>\n`
    for (const frac of [0, 0.5, 1]) out += `<text x="${x0 - 6}" y="${y(panel.max * frac) + 4}" text-anchor="end">${(panel.max * frac).toFixed(panel.max >= 10 ? 0 : 1)}</text>\n`
    rates.forEach((r, i) => { out += `<text x="${x(i, p)}" y="${H - pad.b + 16}" text-anchor="middle">${r}/s</text>\n` })
    for (const s of series) {
      const pts = s.points.map((pt, i) => [x(i, p), y(Math.min(panel.max, pt[panel.key] ?? 0))])
      out += `<polyline fill="none" stroke="${colors[s.subject] ?? '#333'}" stroke-width="2" points="${pts.map((q) => q.join(',')).join(' ')}"/>\n`
      for (const [px, py] of pts) out += `<circle cx="${px}" cy="${py}" r="3" fill="${colors[s.subject] ?? '#333'}"/>\n`
    }
  })
  series.forEach((s, i) => { out += `<text x="${pad.l + i * 120}" y="${H - 8}" fill="${colors[s.subject] ?? '#333'}">■ ${s.label}</text>\n` })
  return out + '</svg>\n'
}
