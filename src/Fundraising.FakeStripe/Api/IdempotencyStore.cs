namespace Fundraising.FakeStripe.Api;

/// <summary>
/// Responses stored by <c>Idempotency-Key</c>, replayed when the same key comes back with the same request.
/// Thread-safe; forgets the oldest keys beyond a bound (Stripe forgets them after 24 hours).
/// </summary>
internal sealed class IdempotencyStore(int capacity)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long Claim)> age = new();
    private long claims;

    /// <summary>Claims the key for a new request, or says why not.</summary>
    public Claim TryClaim(string key, string fingerprint)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry))
            {
                return entry.Fingerprint != fingerprint ? new Claim.Mismatch()
                    : entry.Response is { } stored ? new Claim.Replay(stored)
                    : new Claim.InFlight();
            }
            var claim = ++claims;
            entries[key] = new Entry(fingerprint, claim);
            age.Enqueue((key, claim));
            while (age.Count > capacity && age.TryDequeue(out var oldest))
            {
                // A released key may have been claimed again since; only its latest claim counts.
                if (entries.TryGetValue(oldest.Key, out var stale) && stale.Claim == oldest.Claim)
                {
                    entries.Remove(oldest.Key);
                }
            }
            return new Claim.Claimed();
        }
    }

    public void Complete(string key, StoredResponse response)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry))
            {
                entry.Response = response;
            }
        }
    }

    /// <summary>Lets the key go without a stored result (a validation error or a crash), so it can be retried.</summary>
    public void Release(string key)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry) && entry.Response is null)
            {
                entries.Remove(key);
            }
        }
    }

    private sealed class Entry(string fingerprint, long claim)
    {
        public string Fingerprint { get; } = fingerprint;

        public long Claim { get; } = claim;

        public StoredResponse? Response { get; set; }
    }
}

/// <summary>A response kept for replay: status, body and the request that produced it.</summary>
internal sealed record StoredResponse(int Status, byte[] Body, string OriginalRequestId);

/// <summary>The outcome of claiming an idempotency key.</summary>
internal abstract record Claim
{
    public sealed record Claimed : Claim;

    public sealed record Replay(StoredResponse Response) : Claim;

    /// <summary>The key was used with other parameters or on another endpoint.</summary>
    public sealed record Mismatch : Claim;

    /// <summary>The first request with this key has not finished.</summary>
    public sealed record InFlight : Claim;
}
