using System.Buffers.Binary;
using System.Buffers.Text;
using Fundraising.Persistence;

namespace Fundraising.Web.Http;

/// <summary>
/// A list's page: <c>pageSize</c> rows (20 by default, at most <see cref="MaxPageSize"/>) after <c>cursor</c>, the
/// opaque <c>next</c> of the previous page. Rows are read by keyset, newest first, so walking by cursor shows every
/// row once, however deep, even while new rows arrive. Numbered pages (<c>page</c>) still work for short lists,
/// but only <see cref="MaxPageDepth"/> rows deep: past that, a 400 says to walk by cursor.
/// </summary>
public static class Paging
{
    public const int MaxPageSize = 100;
    public const long MaxPageDepth = 10_000;

    // 8 bytes of microseconds since 1970 (PostgreSQL's precision, so the position round-trips exactly), 16 of id.
    private const int CursorBytes = 24;

    /// <summary>The page asked for; a bad page, size or cursor is added to <paramref name="v"/>, naming the parameter.</summary>
    public static PageRequest Parse(Validation v, string? cursor, int? page, int? pageSize)
    {
        var size = pageSize ?? 20;
        if (size is < 1 or > MaxPageSize)
        {
            v.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        }
        Keyset? after = null;
        if (cursor is not null)
        {
            if (TryDecode(cursor, out var position))
            {
                after = position;
            }
            else
            {
                v.Add("cursor", "'cursor' is not a cursor this API gave out: pass the 'next' of the page before, unchanged.");
            }
        }
        var number = page ?? 1;
        var skip = (number - 1L) * Math.Max(size, 1);
        if (number < 1)
        {
            v.Add("page", "'page' starts at 1.");
        }
        else if (page is not null && cursor is not null)
        {
            v.Add("page", "Send 'page' or 'cursor', not both.");
        }
        else if (skip > MaxPageDepth)
        {
            v.Add("page", $"'page' reaches at most {MaxPageDepth} rows deep; walk further with 'cursor' (each page's 'next').");
        }
        return new PageRequest(size, after, v.IsValid ? skip : 0);
    }

    /// <summary>The opaque cursor of the page after this one, or null on the last page.</summary>
    public static string? Next(Keyset? next)
    {
        if (next is not { } position)
        {
            return null;
        }
        Span<byte> bytes = stackalloc byte[CursorBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, (position.CreatedAt - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond);
        position.Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    private static bool TryDecode(string cursor, out Keyset position)
    {
        position = default;
        Span<byte> bytes = stackalloc byte[CursorBytes];
        if (cursor.Length != Base64Url.GetEncodedLength(CursorBytes)
            || Base64Url.DecodeFromChars(cursor, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != CursorBytes)
        {
            return false;
        }
        var microseconds = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (microseconds is < 0 or > 253_402_300_799_999_999) // before 1970 or after 9999: not one we made
        {
            return false;
        }
        position = new Keyset(DateTimeOffset.UnixEpoch.AddTicks(microseconds * TimeSpan.TicksPerMicrosecond), new Guid(bytes[8..], bigEndian: true));
        return true;
    }
}
