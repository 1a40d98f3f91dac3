using System.Reflection;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;

namespace Fundraising.Grains.Tests.Donations;

/// <summary>
/// A reused idempotency key is a retry only when the request is the same in every field. Each test changes
/// one property of a request at a time, found by reflection, so a field added to a request type later is
/// covered without anyone remembering to add it here.
/// </summary>
public sealed class RequestFingerprintTests
{
    private static readonly NewOfflineDonation Goods = new(
        "k", 12_000, "CNY", "县慈善超市", false, "RCPT-1", "in_kind", "admin-a", DonationKind.Goods, "大米 (10 kg)", 20, null);

    private static readonly NewOfflineDonation PledgePayment = new(
        "k", 50_000, "CNY", "企业家", true, "BANK-7", "pledge_payment", "admin-a", DonationKind.Money, null, null, Guid.NewGuid(), Guid.NewGuid());

    private static readonly NewDonation Online = new("k", 1_000, "CNY", "李四", false, "加油", "sandbox");

    private static readonly NewMonthlyGift Monthly = new("k", 3_000, "CNY", "王五", false, "donor@example.com");

    private static readonly ImportedGift Imported = new(
        "k", 8_800, "CNY", "在外乡贤", false, DonationChannel.Offline, DonationKind.Goods, new DateTimeOffset(2021, 9, 8, 10, 0, 0, TimeSpan.FromHours(8)),
        "2021年度台账", "demo-history", "棉被", 10);

    // Not part of what was asked: the key itself, and who typed the entry in (or ran the import).
    private static readonly string[] NotFingerprinted = [nameof(NewOfflineDonation.IdempotencyKey), nameof(NewOfflineDonation.RecordedBy), nameof(ImportedGift.ImportedBy)];

    public static TheoryData<string> OfflineFields() => Fields<NewOfflineDonation>();

    public static TheoryData<string> OnlineFields() => Fields<NewDonation>();

    public static TheoryData<string> MonthlyFields() => Fields<NewMonthlyGift>();

    public static TheoryData<string> ImportedFields() => Fields<ImportedGift>();

    [Theory]
    [MemberData(nameof(ImportedFields))]
    public void AnImportedGiftDifferingInAnyOneFieldHasAnotherFingerprint(string field) =>
        Assert.False(RequestFingerprint.Of(Imported).AsSpan().SequenceEqual(RequestFingerprint.Of(Changed(Imported, field))), $"{field} is not in the fingerprint");

    [Theory]
    [MemberData(nameof(OfflineFields))]
    public void AnOfflineGiftDifferingInAnyOneFieldHasAnotherFingerprint(string field)
    {
        foreach (var original in new[] { Goods, PledgePayment })
        {
            Assert.False(RequestFingerprint.Of(original).AsSpan().SequenceEqual(RequestFingerprint.Of(Changed(original, field))), $"{field} is not in the fingerprint");
        }
    }

    [Theory]
    [MemberData(nameof(OnlineFields))]
    public void AnOnlineGiftDifferingInAnyOneFieldHasAnotherFingerprint(string field)
    {
        var changed = Changed(Online, field);
        Assert.False(RequestFingerprint.Of(Online).AsSpan().SequenceEqual(RequestFingerprint.Of(changed)), $"{field} is not in the fingerprint");
        Assert.False(RequestFingerprint.OfProviderPayment(Online).AsSpan().SequenceEqual(RequestFingerprint.OfProviderPayment(changed)), $"{field} is not in the provider payment's fingerprint");
    }

    [Theory]
    [MemberData(nameof(MonthlyFields))]
    public void AMonthlyGiftDifferingInAnyOneFieldHasAnotherFingerprint(string field) =>
        Assert.False(RequestFingerprint.Of(Monthly).AsSpan().SequenceEqual(RequestFingerprint.Of(Changed(Monthly, field))), $"{field} is not in the fingerprint");

    [Fact]
    public void TheSameRequestAgainHasTheSameFingerprintWhoeverRecordsIt()
    {
        Assert.Equal(RequestFingerprint.Of(Goods), RequestFingerprint.Of(Goods with { RecordedBy = "admin-b", IdempotencyKey = "other" }));
        Assert.Equal(RequestFingerprint.Of(Online), RequestFingerprint.Of(Online with { }));
        Assert.Equal(RequestFingerprint.Of(Monthly), RequestFingerprint.Of(Monthly with { }));
    }

    [Fact]
    public void ADonorsRequestAndAProvidersPaymentNeverShareAFingerprint() =>
        Assert.NotEqual(RequestFingerprint.Of(Online), RequestFingerprint.OfProviderPayment(Online));

    [Fact]
    public void TextMovedBetweenFieldsChangesTheFingerprint() =>
        Assert.NotEqual(RequestFingerprint.Of(Online with { DisplayName = "李四加", Message = "油" }), RequestFingerprint.Of(Online));

    private static TheoryData<string> Fields<T>()
    {
        var data = new TheoryData<string>();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract"))
        {
            if (!NotFingerprinted.Contains(property.Name))
            {
                data.Add(property.Name);
            }
        }
        return data;
    }

    /// <summary>A copy with one property changed to another valid-looking value of its type (null where it was set, a value where it was null).</summary>
    private static T Changed<T>(T original, string field) where T : class
    {
        var property = typeof(T).GetProperty(field)!;
        var clone = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(original, null)!;
        var value = property.GetValue(original);
        object? other = property.PropertyType switch
        {
            var t when t == typeof(string) => value is null ? "x" : (string)value + "x",
            var t when t == typeof(long) => (long)value! + 1,
            var t when t == typeof(long?) => value is null ? 1L : (long)value + 1,
            var t when t == typeof(bool) => !(bool)value!,
            var t when t == typeof(Guid?) => value is null ? Guid.NewGuid() : null,
            var t when t == typeof(DonationKind) => (DonationKind)value! == DonationKind.Goods ? DonationKind.Money : DonationKind.Goods,
            var t when t == typeof(DonationChannel) => (DonationChannel)value! == DonationChannel.Online ? DonationChannel.Offline : DonationChannel.Online,
            var t when t == typeof(DateTimeOffset) => ((DateTimeOffset)value!).AddTicks(10),
            var t => throw new InvalidOperationException($"Teach this test how to change a {t.Name} ({field})."),
        };
        property.SetValue(clone, other);
        return clone;
    }
}
