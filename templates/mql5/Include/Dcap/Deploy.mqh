//+------------------------------------------------------------------+
//| Deploy.mqh - deploy, run and stop: start a deployed EA on a chart |
//| of this terminal, or close that chart. docs/ea-deploy.md.         |
//|                                                                   |
//| The agent has already written MQL5\Experts\dcap\<name>.ex5 and    |
//| MQL5\Profiles\Templates\dcap\<deploymentId>.tpl (an EA cannot:    |
//| its file functions reach only MQL5\Files and Common\Files). Here: |
//| ChartOpen, then ChartApplyTemplate with "\Profiles\Templates\..." |
//| (a leading backslash = relative to MQL5\), then wait until the    |
//| chart reports the expert running.                                 |
//+------------------------------------------------------------------+
#ifndef DCAP_DEPLOY_MQH
#define DCAP_DEPLOY_MQH

#include "Json.mqh"
#include "Result.mqh"
#include "Util.mqh"

#define DCAP_ATTACH_WAIT_MS 10000   // how long the expert gets to start after the template

// "H1" -> PERIOD_H1. False for a name MT5 does not have.
bool TimeframeFromName(const string name, ENUM_TIMEFRAMES &tf)
  {
   const string names[] = {"M1", "M2", "M3", "M4", "M5", "M6", "M10", "M12", "M15", "M20", "M30",
                           "H1", "H2", "H3", "H4", "H6", "H8", "H12", "D1", "W1", "MN1"};
   const ENUM_TIMEFRAMES values[] = {PERIOD_M1, PERIOD_M2, PERIOD_M3, PERIOD_M4, PERIOD_M5, PERIOD_M6, PERIOD_M10,
                                     PERIOD_M12, PERIOD_M15, PERIOD_M20, PERIOD_M30, PERIOD_H1, PERIOD_H2, PERIOD_H3,
                                     PERIOD_H4, PERIOD_H6, PERIOD_H8, PERIOD_H12, PERIOD_D1, PERIOD_W1, PERIOD_MN1};
   for(int i = 0; i < ArraySize(names); i++)
      if(names[i] == name)
        {
         tf = values[i];
         return true;
        }
   return false;
  }

// Chart ids travel as decimal strings (they exceed 2^53, which JSON numbers in JavaScript cannot hold).
string ChartIdText(const long id)
  {
   return IntegerToString(id);
  }

bool ChartIsOpen(const long id)
  {
   if(id <= 0)
      return false;
   for(long c = ChartFirst(); c >= 0; c = ChartNext(c))
      if(c == id)
         return true;
   return false;
  }

// The expert running on a chart; "" when none. CHART_EXPERT_NAME can come back as NULL, so only
// its length is trusted.
string ChartExpert(const long id)
  {
   string name = ChartGetString(id, CHART_EXPERT_NAME);
   return StringLen(name) > 0 ? name : "";
  }

// Applying a template is queued to the chart: poll until the expert runs on it.
bool WaitForExpert(const long chart, const string name, const int waitMs)
  {
   ulong start = GetMicrosecondCount();
   while(!IsStopped())
     {
      if(ChartExpert(chart) == name)
         return true;
      if(GetMicrosecondCount() - start >= (ulong)waitMs * 1000)
         return false;
      ChartRedraw(chart);
      Sleep(100);
     }
   return false;
  }

// deploy and run: the deployment's chart (its old one while it stays open, else a new one) with
// the template applied, and the expert confirmed running.
void ExecAttach(CJson *cmd, CDcapResult &r)
  {
   string type = cmd.GetStr("type");
   string depId = cmd.GetStr("deploymentId");
   CJson *expert = cmd.Get("expert");
   string name = (expert != NULL && expert.type == DJ_OBJECT) ? expert.GetStr("name") : "";
   string tpl = cmd.GetStr("template");
   string symbol = cmd.GetStr("symbol");
   string tfName = cmd.GetStr("timeframe");
   r.deploymentId = depId;
   r.symbol = symbol;
   ENUM_TIMEFRAMES tf = PERIOD_CURRENT;
   if(!ValidId(depId, 64) || name == "" || StringFind(tpl, "\\Profiles\\Templates\\dcap\\") != 0 || symbol == "" || !TimeframeFromName(tfName, tf))
     {
      r.Fail(DCAP_BAD_COMMAND, type + " needs deploymentId, expert.name, template (\\Profiles\\Templates\\dcap\\...), symbol and timeframe (M1 ... MN1)");
      return;
     }
   if(!SymbolSelect(symbol, true))
     {
      r.Fail(DCAP_UNKNOWN_SYMBOL, "the terminal has no symbol \"" + symbol + "\"");
      return;
     }
   // deploy with start false: the agent has staged the files; an EA cannot see MQL5\Experts to
   // check them, so there is nothing more to do here.
   if(type == "deploy" && cmd.Has("start") && !cmd.GetBool("start", true))
     {
      r.Done(DCAP_OK);
      r.Warn("files staged only; dcap ea run starts the EA");
      return;
     }
   long chart = 0;
   if(cmd.IsStr("chartId"))
     {
      long previous = StringToInteger(cmd.GetStr("chartId"));
      if(previous != ChartID() && ChartIsOpen(previous))
        {
         if(ChartExpert(previous) == name)
           {
            r.chartId = ChartIdText(previous);
            r.Done(DCAP_OK);
            r.Warn("chart " + r.chartId + " already runs " + name + "; nothing was changed");
            return;
           }
         chart = previous; // still open, without the expert: apply the template there again
        }
     }
   bool opened = false;
   if(chart == 0)
     {
      ResetLastError();
      chart = ChartOpen(symbol, tf);
      if(chart == 0)
        {
         r.Fail(DCAP_CHART_FAILED, "ChartOpen(" + symbol + ", " + tfName + ") failed, error " + IntegerToString(GetLastError()));
         return;
        }
      opened = true;
     }
   ResetLastError();
   if(!ChartApplyTemplate(chart, tpl))
     {
      int err = GetLastError();
      if(opened)
         ChartClose(chart);
      r.Fail(DCAP_CHART_FAILED, "ChartApplyTemplate(" + tpl + ") failed, error " + IntegerToString(err) + ": is the template in MQL5\\Profiles\\Templates\\dcap?");
      return;
     }
   if(!WaitForExpert(chart, name, DCAP_ATTACH_WAIT_MS))
     {
      // Close what we opened: a chart without its expert would only confuse the next run.
      if(opened)
         ChartClose(chart);
      r.Fail(DCAP_CHART_FAILED, "the template was applied but " + name + " did not start within " + IntegerToString(DCAP_ATTACH_WAIT_MS / 1000) +
             " s: is MQL5\\Experts\\dcap\\" + name + ".ex5 there and built for this terminal, and Algo Trading allowed? (see the Experts tab)");
      return;
     }
   r.chartId = ChartIdText(chart);
   r.Done(DCAP_OK);
   PrintFormat("DcapBridge: deployment %s: %s runs on chart %I64d (%s %s)", depId, name, chart, symbol, tfName);
  }

// stop: closes the deployment's chart, only when it still runs the deployment's expert (the
// terminal may have given the id to another chart since).
void ExecStop(CJson *cmd, CDcapResult &r)
  {
   string depId = cmd.GetStr("deploymentId");
   CJson *expert = cmd.Get("expert");
   string name = (expert != NULL && expert.type == DJ_OBJECT) ? expert.GetStr("name") : "";
   r.deploymentId = depId;
   if(!ValidId(depId, 64) || name == "")
     {
      r.Fail(DCAP_BAD_COMMAND, "stop needs deploymentId and expert.name");
      return;
     }
   if(!cmd.IsStr("chartId"))
     {
      r.Done(DCAP_NOTHING_TO_DO);
      r.Warn("no chart given: nothing runs");
      return;
     }
   long chart = StringToInteger(cmd.GetStr("chartId"));
   r.chartId = cmd.GetStr("chartId");
   if(chart == ChartID())
     {
      r.Fail(DCAP_BAD_COMMAND, "chart " + r.chartId + " is the bridge's own chart; it is never closed by a stop");
      return;
     }
   if(!ChartIsOpen(chart))
     {
      r.Done(DCAP_NOTHING_TO_DO);
      r.Warn("chart " + r.chartId + " is closed already");
      return;
     }
   string running = ChartExpert(chart);
   if(running != name)
     {
      r.Done(DCAP_NOTHING_TO_DO);
      r.Warn("chart " + r.chartId + " runs '" + running + "', not " + name + ": left open");
      return;
     }
   r.symbol = ChartSymbol(chart);
   ResetLastError();
   if(!ChartClose(chart))
     {
      r.Fail(DCAP_CHART_FAILED, "ChartClose(" + r.chartId + ") failed, error " + IntegerToString(GetLastError()));
      return;
     }
   r.Done(DCAP_OK);
   PrintFormat("DcapBridge: deployment %s: chart %I64d with %s closed", depId, chart, name);
  }

#endif
