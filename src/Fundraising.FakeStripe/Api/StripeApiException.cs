namespace Fundraising.FakeStripe.Api;

/// <summary>
/// A refusal in Stripe's shape, <c>{"error":{"type","code","message","param"}}</c>, thrown by the API's operations
/// and written by <see cref="StripeApiMiddleware"/>.
/// </summary>
internal sealed class StripeApiException(int status, string type, string message, string? code = null, string? param = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Code { get; } = code;

    public string? Param { get; } = param;

    /// <summary>
    /// False for parameter validation errors: Stripe saves an idempotent result only once an endpoint has begun to
    /// execute, so a request that failed validation can be retried with the same key.
    /// </summary>
    public bool Replayable { get; private init; } = true;

    public static StripeApiException InvalidParam(string param, string message, string code = "parameter_invalid") =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", message, code, param) { Replayable = false };

    public static StripeApiException Missing(string param) =>
        InvalidParam(param, $"Missing required param: {param}.", "parameter_missing");

    public static StripeApiException NotFound(string objectName, string id, string param = "id") =>
        new(StatusCodes.Status404NotFound, "invalid_request_error", $"No such {objectName}: '{id}'", "resource_missing", param);

    public static StripeApiException Invalid(string message, string? code = null, string? param = null) =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", message, code, param);

    public IResult ToResult() => StripeJson.Error(Status, Type, Message, Code, Param);
}
