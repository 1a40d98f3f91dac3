using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Villages;

namespace Fundraising.Web.Seeding;

/// <summary>
/// The demo's village projects as a county association would set them up: the village claimed for its project, two
/// sub-plans (the project's purpose and the village's mutual-aid fund) and a first update, so the village page has
/// something to show and follow. Through the same grain and store as the API.
/// </summary>
public sealed class VillageDemo(IGrainFactory grains, VillageStore store, TimeProvider time)
{
    public const string Actor = "demo-seed";

    public async Task SeedAsync(Guid campaignId, string county, string town, string village, string purpose, long goalAmount)
    {
        await store.ClaimAsync(new VillageClaim(Guid.CreateVersion7(), county, town, village, campaignId, Actor, time.GetUtcNow()));
        var grain = grains.GetGrain<ICampaignGrain>(campaignId);
        await grain.CreateSubPlanAsync(new NewSubPlan(purpose, goalAmount * 3 / 5, $"{village}的{purpose}。", Actor));
        await grain.CreateSubPlanAsync(new NewSubPlan("村民互助基金", goalAmount * 2 / 5, "村里遇到急难的家庭，由村民议事会决定救助。", Actor));
        await grain.PostAsync(new NewPost(FeedKind.Update, "项目上线了", $"{county}慈善协会认领了{town}{village}，{purpose}项目今天开始募捐。", null, [], Actor));
    }
}
