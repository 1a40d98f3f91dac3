using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Donors;

/// <summary>The <c>Donor-Token</c> header a verified donor's requests carry (from POST /api/donors/verifications/confirm).</summary>
public static class DonorTokenHeader
{
    public const string Name = "Donor-Token";

    /// <summary>
    /// The donor the header names: <c>(true, null)</c> without the header, <c>(true, id)</c> for a valid token, and
    /// <c>(false, null)</c> for a token that is not (or no longer) valid, which callers refuse rather than ignore.
    /// </summary>
    public static async Task<(bool Valid, Guid? DonorId)> ReadAsync(HttpContext http, DonorVerification donors, CancellationToken cancellationToken)
    {
        if (http.Request.Headers[Name].ToString() is not { Length: > 0 } token)
        {
            return (true, null);
        }
        return await donors.FindAsync(token, cancellationToken) is { } donor ? (true, donor.DonorId) : (false, null);
    }

    /// <summary>
    /// The verified donor a request must come from: their id, or the 401 problem for no header or a bad token, saying
    /// that <paramref name="action"/> (e.g. "Opening a team") needs one.
    /// </summary>
    public static async Task<(Guid? DonorId, ProblemDetails? Refusal)> RequireAsync(
        HttpContext http, DonorVerification donors, string action, CancellationToken cancellationToken)
    {
        var (valid, donorId) = await ReadAsync(http, donors, cancellationToken);
        return valid && donorId is not null
            ? (donorId, null)
            : (null, Unauthorized($"{action} needs a verified donor: send the {Name} header (verify an e-mail address first)."));
    }

    /// <summary>The 401 problem for a missing or bad token; <paramref name="detail"/> says what to do.</summary>
    public static ProblemDetails Unauthorized(string detail) => new()
    {
        Title = "The donor token is not valid.",
        Detail = detail,
        Status = StatusCodes.Status401Unauthorized,
    };
}
