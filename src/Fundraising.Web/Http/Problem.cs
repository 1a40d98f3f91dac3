using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Http;

/// <summary>Problem details for the platform's domain refusals.</summary>
public static class Problem
{
    public static ProblemDetails NotFound(string what, Guid? id) => new()
    {
        Title = $"The {what} was not found.",
        Detail = id is null ? null : $"There is no {what} with id {id}.",
        Status = StatusCodes.Status404NotFound,
    };

    public static ProblemDetails Conflict(string detail) => new()
    {
        Title = "The request conflicts with the current state.",
        Detail = detail,
        Status = StatusCodes.Status409Conflict,
    };

    public static ProblemDetails Unprocessable(string title, string detail) => new()
    {
        Title = title,
        Detail = detail,
        Status = StatusCodes.Status422UnprocessableEntity,
    };
}
