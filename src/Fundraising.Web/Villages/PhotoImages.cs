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
        // PNG keeps transparency and sharp edges (diagrams, scans); everything else becomes a JPEG.
        var png = signature == SKEncodedImageFormat.Png;
        using var encoded = sized.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 85);
        return encoded is null
            ? Refused("The image could not be re-encoded.")
            : new CleanPhoto(encoded.ToArray(), png ? "image/png" : "image/jpeg", sized.Width, sized.Height, null);
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
