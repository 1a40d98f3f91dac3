using Microsoft.Playwright;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// Tells drawn Chinese characters from "tofu" boxes. <c>document.fonts.check</c> cannot: it answers
/// true for any font that is not a web font. Instead, draw several characters on a canvas in the
/// element's own font stack: with a CJK font each has its own shape; without one, every character
/// falls back to the same missing-glyph box (or to nothing), the same as an unassigned code point.
/// </summary>
public sealed record CjkGlyphProbe(int Characters, int DistinctShapes, int LikeMissingGlyph, int Blank)
{
    private const string Script = """
        (selector) => {
          const family = getComputedStyle(document.querySelector(selector)).fontFamily;
          const canvas = document.createElement('canvas');
          canvas.width = 96; canvas.height = 96;
          const ctx = canvas.getContext('2d', { willReadFrequently: true });
          const draw = (text) => {
            ctx.clearRect(0, 0, 96, 96);
            ctx.font = `72px ${family}`;
            ctx.textBaseline = 'top';
            ctx.fillStyle = '#000';
            ctx.fillText(text, 8, 8);
            const alpha = ctx.getImageData(0, 0, 96, 96).data;
            let hash = 0, ink = 0;
            for (let i = 3; i < alpha.length; i += 4) {
              if (alpha[i] > 0) ink++;
              hash = (Math.imul(hash, 31) + alpha[i]) | 0;
            }
            return { hash, ink };
          };
          const missing = draw('\u0378'); // an unassigned code point: no font has it
          const shapes = ['商', '洛', '慈', '善', '家', '园'].map(draw);
          return [
            shapes.length,
            new Set(shapes.map(s => s.hash)).size,
            shapes.filter(s => s.hash === missing.hash).length,
            shapes.filter(s => s.ink === 0).length,
          ];
        }
        """;

    /// <summary>True when every character has ink and a shape of its own.</summary>
    public bool RendersCjk => Blank == 0 && LikeMissingGlyph == 0 && DistinctShapes == Characters;

    public static async Task<CjkGlyphProbe> RunAsync(IPage page, string selector)
    {
        var result = await page.EvaluateAsync<int[]>(Script, selector);
        return new CjkGlyphProbe(result[0], result[1], result[2], result[3]);
    }
}
