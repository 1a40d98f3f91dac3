using Fundraising.Contracts.Health;
using Orleans.Concurrency;

namespace Fundraising.Grains.Health;

[StatelessWorker]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<string> PingAsync() => Task.FromResult(RuntimeIdentity);
}
