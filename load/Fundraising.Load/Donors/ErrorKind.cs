namespace Fundraising.Load.Donors;

/// <summary>What went wrong with one request. Counted per kind; transient kinds are retried with the same key.</summary>
public enum ErrorKind
{
    /// <summary>No answer within the request timeout.</summary>
    Timeout,

    /// <summary>Connection refused, reset or closed.</summary>
    Connection,

    /// <summary>5xx (and 408/429): the server could not say whether it did the work.</summary>
    ServerError,

    /// <summary>Any other 4xx: the server refused the request.</summary>
    Rejected,

    /// <summary>A retry with the same key did not get the original donation back (no replay header or another id).</summary>
    ReplayMismatch,

    /// <summary>A success status with a body the generator could not read.</summary>
    BadResponse,
}
