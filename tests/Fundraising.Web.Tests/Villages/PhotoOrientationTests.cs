using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>
/// A phone photo's EXIF orientation through the real upload: the pixels are served upright (the re-encoded file has no
/// EXIF left to say how to turn them). The JPEGs are made by SkiaSharp with an APP1 segment of one Orientation entry
/// written here by hand.
/// </summary>
public sealed class PhotoOrientationTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    /// <summary>
    /// An 80×40 JPEG (a red quarter at the top left of the stored pixels, sky blue elsewhere) tagged with
    /// <paramref name="orientation"/>: APP1 "Exif", a big-endian TIFF header and IFD0 with the one SHORT entry 0x0112.
    /// </summary>
    public static byte[] TaggedJpeg(ushort orientation)
    {
        var jpeg = Image(80, 40, SKEncodedImageFormat.Jpeg);
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian, IFD0 at offset 8
            0x00, 0x01,                                               // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,           // Orientation, SHORT, count 1
            (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00,  // its value, left-justified
            0x00, 0x00, 0x00, 0x00,                                   // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]]; // right after the SOI marker
    }

    private static bool IsRed(SKColor c) => c.Red > 200 && c.Green < 80 && c.Blue < 80;

    private static bool IsSky(SKColor c) => c.Blue > 180 && c.Red < 170;

    [Theory]
    [InlineData(1, 80, 40, 5, 5, 72, 36)]  // as stored: red at the top left
    [InlineData(6, 40, 80, 36, 8, 5, 70)]  // turned 90° clockwise: the stored top left is now the top right
    [InlineData(8, 40, 80, 4, 72, 35, 8)]  // turned 90° anticlockwise: the bottom left
    [InlineData(3, 80, 40, 72, 36, 5, 5)]  // turned 180°: the bottom right
    public async Task APhotoWithAnExifOrientationIsServedUpright(int orientation, int width, int height, int redX, int redY, int skyX, int skyY)
    {
        var project = await ProjectAsync(platform.Web);
        var bytes = TaggedJpeg((ushort)orientation);
        using (var codec = SKCodec.Create(SKData.CreateCopy(bytes)))
        {
            Assert.Equal((SKEncodedOrigin)orientation, codec.EncodedOrigin); // the hand-made tag is read as meant
        }

        var uploaded = await UploadAsync(platform.Web.Admin, project, bytes, "IMG_0001.jpg", "image/jpeg");
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var url = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString();
        var served = await platform.Web.Client.GetByteArrayAsync(url);

        Assert.DoesNotContain("Exif", Encoding.ASCII.GetString(served), StringComparison.Ordinal);
        using var decoded = SKBitmap.Decode(served);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.True(IsRed(decoded.GetPixel(redX, redY)), $"({redX}, {redY}) is {decoded.GetPixel(redX, redY)}, not red");
        Assert.True(IsSky(decoded.GetPixel(skyX, skyY)), $"({skyX}, {skyY}) is {decoded.GetPixel(skyX, skyY)}, not sky blue");
        Assert.Equal((width, height), (
            await platform.Database.ScalarAsync<int>("SELECT width FROM photos WHERE campaign_id = $1", project),
            await platform.Database.ScalarAsync<int>("SELECT height FROM photos WHERE campaign_id = $1", project)));
    }
}
