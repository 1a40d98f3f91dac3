using SkiaSharp;

namespace Fundraising.Web.Villages;

/// <summary>A photo made safe to serve: re-encoded pixels and their type, or why the upload was refused.</summary>
public sealed record CleanPhoto(byte[]? Bytes, string? ContentType, int Width, int Height, string? Refusal);

/// <summary>
/// Uploaded images are never served as sent. The type is read from the content (the codec's own sniffing, checked
/// against the file's signature), never from the name or the Content-Type; the size is checked in bytes before decoding
/// and in pixels from the header before any pixel is decoded (a small file may declare a huge image); then the pixels
/// are drawn and encoded anew, so nothing but pixels survives: no EXIF or other metadata, no trailing bytes, no polyglot.
/// </summary>
public static class PhotoImages
{
    public const int MaxUploadBytes = 5 * 1024 * 1024;
    public const int MaxSide = 8000;
    public const long MaxPixels = 40_000_000;

    /// <summary>Larger photos are scaled down to this longest side: a phone page never needs more.</summary>
    public const int ServedMaxSide = 2048;

    public static CleanPhoto Clean(ReadOnlySpan<byte> upload)
    {
        if (upload.Length == 0)
        {
            return Refused("The file is empty.");
        }
        if (upload.Length > MaxUploadBytes)
        {
            return Refused($"The file is larger than {MaxUploadBytes / (1024 * 1024)} MB.");
        }
        var signature = Signature(upload);
        if (signature is null)
        {
            return Refused("The file is not a JPEG, PNG or WebP image (by its content, whatever its name).");
        }
        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data);
        if (codec is null || codec.EncodedFormat != signature)
        {
            return Refused("The file is not a readable JPEG, PNG or WebP image.");
        }
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
        {
            return Refused($"The image is {width}×{height} pixels; at most {MaxSide} on a side and {MaxPixels / 1_000_000} million pixels.");
        }
        using var decoded = SKBitmap.Decode(codec, new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (decoded is null)
        {
            return Refused("The image could not be decoded.");
        }
        var scale = Math.Min(1.0, (double)ServedMaxSide / Math.Max(width, height));
        var (outWidth, outHeight) = (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
        using var sized = scale < 1.0
            ? decoded.Resize(new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            : decoded.Copy();
        if (sized is null)
        {
            return Refused("The image could not be decoded.");
        }
        // The re-encoded file carries no EXIF, so a phone photo's orientation tag would be lost: the pixels are turned
        // upright here instead, and the photo is served the way the phone showed it.
        using var upright = Upright(sized, codec.EncodedOrigin);
        // PNG keeps transparency and sharp edges (diagrams, scans); everything else becomes a JPEG.
        var png = signature == SKEncodedImageFormat.Png;
        using var encoded = upright.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 85);
        return encoded is null
            ? Refused("The image could not be re-encoded.")
            : new CleanPhoto(encoded.ToArray(), png ? "image/png" : "image/jpeg", upright.Width, upright.Height, null);
    }

    /// <summary>
    /// The pixels as they are meant to be seen, given the EXIF orientation the codec read (1 to 8). Each case says where a
    /// stored pixel (x, y) of a w×h image lands: x' = ScaleX·x + SkewX·y + TransX, y' = SkewY·x + ScaleY·y + TransY; the
    /// four that turn by a quarter (5 to 8) swap width and height.
    /// </summary>
    public static SKBitmap Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        var (w, h) = (stored.Width, stored.Height);
        SKMatrix? place = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),     // 2: mirrored left to right
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1), // 3: upside down
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),   // 4: mirrored top to bottom
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),       // 5: transposed
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),     // 6: to be turned 90° clockwise
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1), // 7: transverse
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),   // 8: to be turned 90° anticlockwise
            _ => null,
        };
        if (place is not { } matrix)
        {
            return stored.Copy();
        }
        var quarter = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var upright = new SKBitmap(new SKImageInfo(quarter ? h : w, quarter ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(upright);
        canvas.SetMatrix(in matrix);
        canvas.DrawBitmap(stored, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), null); // whole pixels moved, never resampled
        return upright;
    }

    private static SKEncodedImageFormat? Signature(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return SKEncodedImageFormat.Jpeg;
        }
        if (bytes.Length >= 8 && bytes[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return SKEncodedImageFormat.Png;
        }
        if (bytes.Length >= 12 && bytes[..4].SequenceEqual("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return SKEncodedImageFormat.Webp;
        }
        return null;
    }

    private static CleanPhoto Refused(string why) => new(null, null, 0, 0, why);
}
