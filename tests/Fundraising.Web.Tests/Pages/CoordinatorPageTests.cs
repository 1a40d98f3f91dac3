using Microsoft.Playwright;
using static Fundraising.Web.Tests.Disbursements.DisbursementCalls;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Fundraising.Web.Tests.Pages.BoardPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The admin page's 我的项目 section as a coordinator, in Chromium against a real co-hosted front end and PostgreSQL: only
/// the coordinator's own project is listed; a photo uploaded with its caption and an update and milestone posted there
/// appear live on the public village page; the photo is a disbursement's evidence through the disbursement form; a bad
/// upload shows the server's problem; a forged write on another village's project is refused with 403 and changes nothing.
/// </summary>
public sealed class CoordinatorPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private async Task<(Guid Project, Guid Other, IPage Page)> CoordinatorSignedInAsync(IBrowserContext context)
    {
        var (project, _) = await ProjectWithCoordinatorAsync(_web);
        var other = await Villages.VillageCalls.ProjectAsync(_web);
        var page = await SignInAsAsync(context, _web, "coordinator", new { campaignIds = new[] { project } });
        await Expect(page.Locator("#projects")).ToHaveAttributeAsync("data-project-id", project.ToString());
        return (project, other, page);
    }

    private static FilePayload Png(string name = "canteen.png") =>
        new() { Name = name, MimeType = "image/png", Buffer = Villages.VillageCalls.Image(120, 80) };

    [Fact]
    public async Task ACoordinatorUploadsAPhotoAndPostsAnUpdateAndTheVillagePageShowsThemLive()
    {
        await using var context = await browser.NewContextAsync(_web);
        var (project, other, page) = await CoordinatorSignedInAsync(context);
        await OfflineGiftAsync(_web, project, 50_000, "王大爷");

        // Only the coordinator's own project is offered; the other village's is not.
        await Expect(page.Locator("#project-select option")).ToHaveCountAsync(1);
        await Expect(page.Locator("#project-select option")).ToHaveAttributeAsync("value", project.ToString());
        await Expect(page.Locator($"#project-select option[value='{other}']")).ToHaveCountAsync(0);

        await using var phone = await browser.NewContextAsync(_web, new ViewportSize { Width = 390, Height = 844 });
        var village = await OpenCampaignWatchingAsync(phone, $"village.html?id={project}");

        // A photo with its caption.
        await page.Locator("#ph-file").SetInputFilesAsync(Png());
        await page.Locator("#ph-caption").FillAsync("食堂地基开挖");
        await page.Locator("#photo-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#photo-form .form-done")).ToContainTextAsync("食堂地基开挖", new() { Timeout = PageActions.ServerTimeoutMs });
        var photoItem = page.Locator("#project-photos li");
        await Expect(photoItem).ToHaveCountAsync(1);
        var photo = Guid.Parse((await photoItem.GetAttributeAsync("data-photo-id"))!);
        await Expect(photoItem.Locator(".photo-caption")).ToHaveTextAsync("食堂地基开挖");
        Assert.Equal("食堂地基开挖", await platform.Database.ScalarAsync<string>($"SELECT caption FROM photos WHERE id = '{photo}' AND campaign_id = '{project}'"));

        // An update carrying the photo, then a milestone: both live on the public page, the photo in the update.
        await page.Locator("#up-photos").SelectOptionAsync(photo.ToString());
        await SubmitAndExpectDoneAsync(page, "update-form", ("title", "食堂开工了"), ("body", "村委会旁边的空地，今天动土。"));
        var update = village.Locator("#feed .feed-update").First;
        await Expect(update.Locator(".feed-title")).ToHaveTextAsync("食堂开工了", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(update.Locator($"img[src='/api/photos/{photo}']")).ToHaveCountAsync(1);
        await SubmitAndExpectDoneAsync(page, "milestone-form", ("title", "老年食堂封顶"));
        await Expect(village.Locator("#feed .feed-milestone .feed-title")).ToHaveTextAsync("老年食堂封顶", new() { Timeout = PageActions.ServerTimeoutMs });

        // The story's photos show the caption (as text) once the page is read again.
        await village.ReloadAsync();
        await Expect(village.Locator($"#photos figure[data-photo-id='{photo}'] figcaption")).ToHaveTextAsync("食堂地基开挖", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(village.Locator($"#photos figure[data-photo-id='{photo}'] img")).ToHaveAttributeAsync("alt", "食堂地基开挖");

        // The photo as a disbursement's evidence: the project's disbursement form, with the photo filled in.
        await photoItem.Locator("button[data-evidence]").ClickAsync();
        await Expect(page.Locator("#campaign-panel")).ToHaveAttributeAsync("data-campaign-id", project.ToString());
        await Expect(page.Locator("#d-photos")).ToHaveValueAsync(photo.ToString());
        await SubmitAndExpectDoneAsync(page, "disbursement-form", ("amount", "200"), ("purpose", "食堂地基材料"), ("payee", "棣花镇建材店"),
            ("paidAt", DateTimeOffset.Now.AddHours(-2).ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(photo, await platform.Database.ScalarAsync<Guid>(
            $"SELECT evidence_photo_ids[1] FROM disbursements WHERE campaign_id = '{project}' AND purpose = '食堂地基材料'"));

        // A forged write on the other village's project, with this session and its antiforgery token: 403, nothing written.
        var before = await Villages.VillageCalls.FootprintAsync(platform.Database, other);
        var statuses = await page.EvaluateAsync<int[]>("""
            async (id) => {
              const token = (await (await fetch('/api/auth/antiforgery')).json()).token;
              const post = (path, body, json) => fetch(`/api/campaigns/${id}/${path}`, {
                method: 'POST', headers: { 'X-CSRF-Token': token, ...(json ? { 'Content-Type': 'application/json' } : {}) }, body });
              const form = new FormData();
              form.append('file', new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), 'x.png');
              return [
                (await post('updates', JSON.stringify({ title: '伪造的进展', body: '不该出现' }), true)).status,
                (await post('milestones', JSON.stringify({ title: '伪造的里程碑' }), true)).status,
                (await post('photos', form, false)).status,
              ];
            }
            """, other.ToString());
        Assert.Equal([403, 403, 403], statuses);
        Assert.Equal(before, await Villages.VillageCalls.FootprintAsync(platform.Database, other));
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(PageActions.ScriptErrors(village));
        Assert.Empty(browser.CspViolations);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-my-projects.png"), FullPage = true });
    }

    [Fact]
    public async Task ABadUploadAndAnEmptyUpdateShowTheServersProblemAndChangeNothing()
    {
        await using var context = await browser.NewContextAsync(_web);
        var (project, _, page) = await CoordinatorSignedInAsync(context);

        // Not an image, whatever its name says: the server's refusal, naming the field.
        await page.Locator("#ph-file").SetInputFilesAsync(new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = "not a picture"u8.ToArray() });
        await page.Locator("#photo-form button[type=submit]").ClickAsync();
        var error = page.Locator("#photo-form .form-error");
        await Expect(error).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(error).ToContainTextAsync("（file）");

        // A caption longer than the server takes (the input's maxlength is lifted, as a script could): named too.
        await page.Locator("#ph-caption").EvaluateAsync("e => e.removeAttribute('maxlength')");
        await page.Locator("#ph-file").SetInputFilesAsync(Png());
        await page.Locator("#ph-caption").FillAsync(new string('图', 201));
        await page.Locator("#photo-form button[type=submit]").ClickAsync();
        await Expect(error).ToContainTextAsync("（caption）", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(error).ToContainTextAsync("at most 200 characters");

        // An update without a body: the server says which field.
        await SubmitAsync(page, "update-form", ("title", "只有标题"));
        await Expect(page.Locator("#update-form .form-error")).ToContainTextAsync("（body）", new() { Timeout = PageActions.ServerTimeoutMs });

        var (_, photos, posts, _, _) = await Villages.VillageCalls.FootprintAsync(platform.Database, project);
        Assert.Equal((0L, 0L), (photos, posts));
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
