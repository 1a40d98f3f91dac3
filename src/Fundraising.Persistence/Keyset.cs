using Npgsql;

namespace Fundraising.Persistence;

/// <summary>
/// A position in a list read newest first, by <c>(created_at, id)</c> descending: the last row a page showed.
/// The next page is the rows strictly after it, read by an index in that order (migration 0010), so a deep page
/// costs what the first does, and rows added meanwhile (newer, so before the walk's position) are never shown twice.
/// </summary>
public readonly record struct Keyset(DateTimeOffset CreatedAt, Guid Id);

/// <summary>A page of a list and the position of its last row when more rows follow it (else null).</summary>
public sealed record KeysetPage<T>(IReadOnlyList<T> Items, Keyset? Next);

internal static class KeysetSql
{
    public const string Order = "ORDER BY created_at DESC, id DESC";

    /// <summary>The condition for rows after <paramref name="after"/> ("" for the first page), its parameters added to <paramref name="command"/>.</summary>
    public static string After(Keyset? after, NpgsqlCommand command, string column = "created_at", string id = "id")
    {
        if (after is not { } position)
        {
            return "";
        }
        var first = command.Parameters.Count + 1;
        command.Parameters.Add(new() { Value = position.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = position.Id });
        return $"AND ({column}, {id}) < (${first}, ${first + 1})";
    }

    /// <summary>OFFSET and LIMIT of <paramref name="page"/>: one row more than the page, to learn whether more follow.</summary>
    public static string Window(PageRequest page, NpgsqlCommand command)
    {
        var first = command.Parameters.Count + 1;
        command.Parameters.Add(new() { Value = page.Skip });
        command.Parameters.Add(new() { Value = page.Size + 1 });
        return $"OFFSET ${first} LIMIT ${first + 1}";
    }

    /// <summary>Rows were read with a limit one above the page size: the extra row only says that more follow.</summary>
    public static KeysetPage<T> Page<T>(List<T> rows, int size, Func<T, Keyset> position)
    {
        if (rows.Count <= size)
        {
            return new KeysetPage<T>(rows, null);
        }
        rows.RemoveRange(size, rows.Count - size);
        return new KeysetPage<T>(rows, position(rows[^1]));
    }
}

/// <summary>
/// Which rows of a list to read: <see cref="Size"/> rows after <see cref="After"/> (from the start when null),
/// past the first <see cref="Skip"/> of those (kept for numbered pages, which the web host bounds).
/// </summary>
public readonly record struct PageRequest(int Size, Keyset? After = null, long Skip = 0);
