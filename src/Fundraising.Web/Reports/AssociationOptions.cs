using System.ComponentModel.DataAnnotations;

namespace Fundraising.Web.Reports;

/// <summary>
/// The association this platform runs for, bound from <c>Association</c>: its city (the one the province ranks), the
/// zone its years and giving days are reckoned in, its reporting currency, and its counties (where appeals may be opened).
/// </summary>
public sealed class AssociationOptions
{
    [Required, StringLength(40, MinimumLength = 1)]
    public string Province { get; set; } = "陕西省";

    [Required, StringLength(40, MinimumLength = 1)]
    public string City { get; set; } = "商洛市";

    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    [Required, StringLength(3, MinimumLength = 3)]
    public string Currency { get; set; } = "CNY";

    [MinLength(1)]
    public string[] Counties { get; set; } = ["商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县"];

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>The instants a calendar year begins and ends at in the association's zone.</summary>
    public (DateTimeOffset From, DateTimeOffset To) YearWindow(int year) => (StartOf(year), StartOf(year + 1));

    private DateTimeOffset StartOf(int year)
    {
        var local = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
