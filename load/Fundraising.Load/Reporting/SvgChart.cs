using System.Globalization;
using System.Net;
using System.Text;

namespace Fundraising.Load.Reporting;

/// <summary>A small hand-written SVG: horizontal bar panels, one bar (or group of bars) per run. No chart library.</summary>
public sealed class SvgChart(int width = 900)
{
    private const int LabelWidth = 190;
    private const int BarHeight = 18;
    private const int Gap = 6;
    private static readonly string[] Palette = ["#2f6fb0", "#e07b39", "#5a9e4b", "#b94a62", "#7a5fb5"];

    private readonly StringBuilder _body = new();
    private int _y = 10;

    public sealed record Bar(string Label, IReadOnlyList<double> Values, string? Note = null);

    /// <summary>A titled panel. Each bar has one value per series; series are drawn as adjacent bars in a group.</summary>
    public SvgChart Panel(string title, string unit, IReadOnlyList<string> series, IReadOnlyList<Bar> bars, double? marker = null, string? markerLabel = null)
    {
        var plotWidth = width - LabelWidth - 120;
        var max = Math.Max(marker ?? 0, bars.SelectMany(b => b.Values).DefaultIfEmpty(1).Max());
        max = max <= 0 ? 1 : max * 1.05;
        _y += 8;
        Text(10, _y + 14, title, 15, "bold");
        _y += 24;
        if (series.Count > 1)
        {
            var x = LabelWidth;
            for (var s = 0; s < series.Count; s++)
            {
                _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{_y}\" width=\"12\" height=\"12\" fill=\"{Palette[s % Palette.Length]}\"/>");
                Text(x + 16, _y + 11, series[s], 12);
                x += 24 + series[s].Length * 8;
            }
            _y += 20;
        }
        var top = _y;
        foreach (var bar in bars)
        {
            var groupHeight = bar.Values.Count * BarHeight;
            Text(LabelWidth - 8, _y + groupHeight / 2 + 5, bar.Label, 12, anchor: "end");
            for (var s = 0; s < bar.Values.Count; s++)
            {
                var value = bar.Values[s];
                var w = Math.Max(1, value / max * plotWidth);
                _body.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{LabelWidth}\" y=\"{_y}\" width=\"{w:F1}\" height=\"{BarHeight - 2}\" fill=\"{Palette[s % Palette.Length]}\"/>");
                Text(LabelWidth + (int)w + 6, _y + BarHeight - 5, Format(value) + " " + unit + (s == 0 && bar.Note is not null ? "  " + bar.Note : ""), 11);
                _y += BarHeight;
            }
            _y += Gap;
        }
        if (marker is { } m)
        {
            var x = LabelWidth + m / max * plotWidth;
            _body.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{x:F1}\" y1=\"{top - 4}\" x2=\"{x:F1}\" y2=\"{_y}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>");
            Text((int)x + 4, top - 6, markerLabel ?? "", 11, fill: "#c00");
        }
        _y += 10;
        return this;
    }

    public SvgChart Caption(string text)
    {
        Text(10, _y + 12, text, 11, fill: "#555");
        _y += 18;
        return this;
    }

    public string Render() =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{_y + 10}\" viewBox=\"0 0 {width} {_y + 10}\" " +
        $"font-family=\"DejaVu Sans, Arial, sans-serif\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>{_body}</svg>\n";

    private void Text(int x, int y, string text, int size, string weight = "normal", string anchor = "start", string fill = "#222") =>
        _body.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" font-weight=\"{weight}\" text-anchor=\"{anchor}\" fill=\"{fill}\">{WebUtility.HtmlEncode(text)}</text>");

    private static string Format(double value) =>
        value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
