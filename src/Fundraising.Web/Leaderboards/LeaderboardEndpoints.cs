using System.Globalization;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Persistence.Leaderboards;
using Fundraising.Web.Donors;
using Fundraising.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Leaderboards;

/// <summary>An event's leaderboards: public reads of the event's board grain (exact, live aggregates; never a SQL sum per request).</summary>
public static class LeaderboardEndpoints
{
    public static IEndpointRouteBuilder MapLeaderboards(this IEndpointRouteBuilder app)
    {
        var boards = app.MapGroup("/api/events/{id:guid}/leaderboards").WithTags("Leaderboards").ProducesProblems(404);
        boards.MapGet("/{board}", GetAsync).WithSummary("An event's live leaderboard (donors, teams or villages), top entries first.");
        boards.MapGet("/donors/me", GetMineAsync).WithSummary("A verified donor's own place on the donors board (Donor-Token).");
        return app;
    }

    private static async Task<Results<Ok<LeaderboardResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        Guid id, string board, string? by, string? top, string? key, BoardStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var (kind, order, count) = Parse(v, board, by, top);
        if (key is { Length: > BoardWords.MaxKeyLength })
        {
            v.Add("key", $"'key' must be at most {BoardWords.MaxKeyLength} characters.");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        // An unknown id is answered without activating a board grain for it.
        if (!await store.EventExistsAsync(id, cancellationToken)
            || await grains.GetGrain<IEventBoardGrain>(id).GetBoardAsync(kind, order, count, string.IsNullOrEmpty(key) ? null : key) is not { } view)
        {
            return TypedResults.Problem(Problem.NotFound("event", id));
        }
        return TypedResults.Ok(LeaderboardResponse.From(view));
    }

    /// <summary>
    /// A verified donor's own place on the donors board (the <c>Donor-Token</c> header says who): their named entry when
    /// they have one, else their anonymous one, which only they are ever told is theirs.
    /// </summary>
    private static async Task<Results<Ok<MyRankResponse>, ValidationProblem, ProblemHttpResult>> GetMineAsync(
        Guid id, string? by, HttpContext http, DonorVerification donors, BoardStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var (_, order, _) = Parse(v, BoardWords.Of(BoardKind.Donors), by, null);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var (donorId, refusal) = await DonorTokenHeader.RequireAsync(http, donors, "Your own rank", cancellationToken);
        if (refusal is not null)
        {
            return TypedResults.Problem(refusal);
        }
        if (!await store.EventExistsAsync(id, cancellationToken)
            || await grains.GetGrain<IEventBoardGrain>(id).GetDonorStandingAsync(donorId!.Value) is not { } standing)
        {
            return TypedResults.Problem(Problem.NotFound("event", id));
        }
        return MyRankResponse.From(id, order, standing) is { } mine
            ? TypedResults.Ok(mine)
            : TypedResults.Problem(new ProblemDetails
            {
                Title = "You are not on this event's donors board.",
                Detail = "No gift of yours (made with this donor token) counts in this event yet.",
                Status = StatusCodes.Status404NotFound,
            });
    }

    /// <summary>The board, order and size a caller asked for; each bad one is a field error naming it.</summary>
    public static (BoardKind Board, BoardOrder By, int Top) Parse(Validation v, string? board, string? by, string? top)
    {
        var kind = BoardKind.Campaigns;
        if (board is null || !BoardWords.Boards.TryGetValue(board, out kind))
        {
            v.Add("board", $"'board' must be one of {BoardWords.BoardChoices}.");
        }
        var order = BoardOrder.Amount;
        if (!string.IsNullOrEmpty(by) && !BoardWords.Orders.TryGetValue(by, out order))
        {
            v.Add("by", "'by' must be amount or count.");
        }
        var count = BoardWords.DefaultTop;
        if (!string.IsNullOrEmpty(top) && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > BoardWords.MaxTop))
        {
            v.Add("top", $"'top' must be a whole number from 1 to {BoardWords.MaxTop}.");
        }
        return (kind, order, count);
    }
}
