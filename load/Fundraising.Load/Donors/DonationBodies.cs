using System.Text;
using System.Text.Json;

namespace Fundraising.Load.Donors;

/// <summary>
/// Donation request bodies, serialized once to UTF-8 before the run: the hot path only points at
/// these bytes. A small set of realistic gifts (¥9.9 to ¥999, named, anonymous, with and without a message).
/// </summary>
public static class DonationBodies
{
    public sealed record Gift(long Amount, string? DisplayName, bool Anonymous, string? Message);

    public static IReadOnlyList<Gift> Gifts { get; } =
    [
        new(990, "爱心人士", false, null),
        new(1_000, "商洛老乡", false, "家乡加油"),
        new(2_000, null, true, null),
        new(5_000, "西安商会", false, "一起捐"),
        new(9_900, "张女士", false, "99公益日"),
        new(10_000, null, true, "为孩子们"),
        new(20_000, "李先生", false, null),
        new(99_900, "在外乡贤", false, "慈善幸福家园"),
    ];

    public static byte[][] Utf8 { get; } = [.. Gifts.Select(Serialize)];

    private static byte[] Serialize(Gift gift) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        amount = gift.Amount,
        currency = "CNY",
        displayName = gift.DisplayName,
        anonymous = gift.Anonymous,
        message = gift.Message,
    }));
}
