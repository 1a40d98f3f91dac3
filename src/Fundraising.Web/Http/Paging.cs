namespace Fundraising.Web.Http;

/// <summary>Page and page size of a list: 1 and 20 by default, at most <see cref="MaxPageSize"/> a page.</summary>
public static class Paging
{
    public const int MaxPageSize = 100;

    /// <summary>The page asked for; a bad page or size is added to <paramref name="v"/>, naming the field.</summary>
    public static (int Page, int Size) Parse(Validation v, int? page, int? pageSize)
    {
        var (pageNumber, size) = (page ?? 1, pageSize ?? 20);
        if (pageNumber < 1)
        {
            v.Add("page", "'page' starts at 1.");
        }
        if (size is < 1 or > MaxPageSize)
        {
            v.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        }
        return (pageNumber, size);
    }

    /// <summary>How many rows come before the page, computed in 64 bits so a deep page cannot overflow.</summary>
    public static long Skip(int pageNumber, int size) => ((long)pageNumber - 1) * size;
}
