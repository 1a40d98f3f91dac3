global using Fundraising.TestSupport;
