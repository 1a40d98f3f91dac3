namespace Fundraising.Contracts.Health;

/// <summary>A stateless grain the health check calls to prove the cluster answers. Keyed by 0.</summary>
public interface IPingGrain : IGrainWithIntegerKey
{
    Task<string> PingAsync();
}
